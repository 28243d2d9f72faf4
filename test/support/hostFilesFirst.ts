/**
 * Vitest sequencer: the "host" project's files first (only one runs at a time, see
 * ./serialTurns.ts; the others wait for their turn without using a core), then every other
 * file, longest first by the last run's durations, whatever its project, so that a long unit
 * file does not start last and hold up the end of the run.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

export const HOST_PROJECT = "host";

export default class HostFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const lastDuration = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
      // Unknown files first, as BaseSequencer does: they may well be long.
      return this.ctx.cache.getFileTestResults(key)?.duration ?? Number.POSITIVE_INFINITY;
    };
    const rank = (spec: TestSpecification) => (spec.project.name === HOST_PROJECT ? 0 : 1);
    // Array sort is stable: ties keep BaseSequencer's order.
    return sorted.sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        rank(a) - rank(b) ||
        compareDurations(lastDuration(b), lastDuration(a)),
    );
  }
}

function compareDurations(a: number, b: number): number {
  if (a === b) return 0;
  return a > b ? 1 : -1;
}
