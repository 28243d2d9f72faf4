/**
 * `nuisance add|remove|list`'s command line: the words after `nuisance` and the flags, checked
 * here without loading anything (args.ts stays light for every other command).
 */

export type NuisanceAction = "add" | "remove" | "list";

export interface NuisanceCommand {
  readonly action: NuisanceAction;
  /** The number or prefix (add, remove). */
  readonly number?: string;
  readonly configFile?: string;
  readonly label?: string;
  /** add: an allow mark instead of a nuisance mark. */
  readonly allow: boolean;
  readonly json: boolean;
}

/** The command line after `nuisance`: its words and its flags as parseArgs gave them. */
export function nuisanceCommand(
  rest: readonly string[],
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
):
  | { ok: true; command: { readonly name: "nuisance" } & NuisanceCommand }
  | { ok: false; message: string } {
  const [action, number, ...extra] = rest;
  const usage = 'e.g. nuisance add "0906*" --label "Mehrwertdienst", or nuisance list';
  if (action !== "add" && action !== "remove" && action !== "list") {
    return { ok: false, message: `nuisance needs add, remove or list (${usage})` };
  }
  if (action === "list" ? number !== undefined : number === undefined || extra.length > 0) {
    return {
      ok: false,
      message:
        action === "list"
          ? `nuisance list takes no number: ${rest.slice(1).join(" ")}`
          : `nuisance ${action} needs one number or prefix (quote it when it has spaces or *)`,
    };
  }
  if (action !== "add" && (values.label !== undefined || values.allow)) {
    return { ok: false, message: `nuisance ${action}: --label and --allow belong to add` };
  }
  if (action !== "list" && values.json) {
    return { ok: false, message: `nuisance ${action}: --json belongs to list` };
  }
  const text = (key: string) =>
    typeof values[key] === "string" ? { [key]: values[key] as string } : {};
  return {
    ok: true,
    command: {
      name: "nuisance",
      action,
      ...(number === undefined ? {} : { number }),
      ...(typeof values.config === "string" ? { configFile: values.config } : {}),
      ...text("label"),
      allow: values.allow === true,
      json: values.json === true,
    },
  };
}
