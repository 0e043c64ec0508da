/**
 * Pure verdicts of a drill's checks: given what a command printed or a Service answered, did the
 * check pass, and if not, why (in words an operator can act on).
 */
import { MAX_CHECK_OUTPUT, type ExecCheck, type HttpCheck } from "../../format/drill";

/** Keeps the end of long output: the last lines usually say what went wrong. */
export function clip(text: string, max = MAX_CHECK_OUTPUT): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

/** Why an exec check failed, or undefined when it passed. */
export function execFailure(
  check: ExecCheck,
  result: { exitCode: number; stdout: string; stderr: string },
): string | undefined {
  const { expect } = check;
  if (result.exitCode !== expect.exitCode) {
    const said = (result.stderr || result.stdout).trim();
    return `exited ${result.exitCode}, expected ${expect.exitCode}${said ? `: ${clip(said, 200)}` : ""}`;
  }
  const out = result.stdout.trim();
  if (expect.stdout !== undefined && out !== expect.stdout.trim())
    return `printed ${JSON.stringify(clip(out, 200))}, expected ${JSON.stringify(expect.stdout.trim())}`;
  if (expect.stdoutMatches !== undefined && !new RegExp(expect.stdoutMatches).test(out))
    return `printed ${JSON.stringify(clip(out, 200))}, which does not match /${expect.stdoutMatches}/`;
  return undefined;
}

/** Why an HTTP check failed, or undefined when it passed. */
export function httpFailure(check: HttpCheck, response: { status: number; body: string }): string | undefined {
  if (response.status !== check.expect.status) return `answered ${response.status}, expected ${check.expect.status}`;
  if (check.expect.bodyContains !== undefined && !response.body.includes(check.expect.bodyContains))
    return `the body does not contain ${JSON.stringify(check.expect.bodyContains)}`;
  return undefined;
}
