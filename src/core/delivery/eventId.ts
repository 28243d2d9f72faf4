/**
 * The `event_id` of a `voip_callerid_call` event: the same every time that event is sent, so
 * that an automation can ignore a twin. Events go out at least once: one sent to a Home
 * Assistant that froze is sent again after the reconnect, and the frozen one may still carry
 * out its copy when it wakes. Call ids count from c1 again after a restart; the call's start
 * time keeps the id unique across restarts.
 */
export function callEventId(event: { callId: string; type: string; startedAt: number }): string {
  return `${event.callId}-${event.type}-${event.startedAt}`;
}
