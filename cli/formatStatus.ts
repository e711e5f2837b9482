/** `opml status` for people: dates instead of unix seconds, and how long until the claim finalizes. */
import type { GetRequestStatusReturnType } from "../sdk/index.ts";

const date = (unix: bigint) =>
  new Date(Number(unix) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.000Z$/, " UTC");

/** "45 s", "12 min 5 s", "3 h 2 min". */
export function formatDuration(seconds: bigint): string {
  const s = Number(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
}

/** The request's status as lines, the clocks read against `now` (the latest block's timestamp). */
export function formatStatus(s: GetRequestStatusReturnType, now: bigint): string {
  const lines = [
    `Request ${s.requestId}: ${s.status}`,
    `  model      ${s.modelId}`,
    `  requester  ${s.requester}`,
    `  created    ${date(s.createdAt)}`,
    `  fee        ${s.fee} wei`,
  ];
  if (s.callbackStatus !== "none") lines.push(`  callback   ${s.callbackStatus}`);
  const c = s.claim;
  if (!c) {
    if (s.status === "open") lines.push("  no claim yet: waiting for a submitter");
    return lines.join("\n");
  }
  lines.push(
    `Claim ${c.claimId}: ${c.status}`,
    `  submitter  ${c.submitter}`,
    `  submitted  ${date(c.submittedAt)}`,
    `  output     ${c.output.length > 66 ? `${c.output.slice(0, 66)}… (${(c.output.length - 2) / 2} bytes)` : c.output}`,
  );
  if (c.status === "active") {
    const left = c.challengeDeadline - now;
    if (c.openGames > 0)
      lines.push(`  disputed   ${c.openGames} open game(s): finalizes only when they are resolved in its favour`);
    else if (left > 0n)
      lines.push(`  finalizes in ${formatDuration(left)} (challenge window ends ${date(c.challengeDeadline)})`);
    else
      lines.push(
        `  challenge window ended ${date(c.challengeDeadline)} (${formatDuration(-left)} ago): \`opml finalize ${s.requestId}\``,
      );
  }
  return lines.join("\n");
}
