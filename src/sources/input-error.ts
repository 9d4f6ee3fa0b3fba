/** Bad usage or unreadable input: the CLI exits 2 and the action fails with this message, no stack trace. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A target that could not be rendered (kustomize, helm): the message names the target and carries the
 * renderer's own words, or names the missing binary and how to add it. An input error like any other (exit 2,
 * no stack trace): the PR's files or the runner's tools are at fault, not config-rollout.
 */
export class RenderError extends InputError {
  constructor(
    message: string,
    readonly target: string,
    readonly renderer: 'kustomize' | 'helm',
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
