/** A missing or malformed checkpoint file; the message names the file and the fault. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    fault: string,
  ) {
    super(`${file}: ${fault}`);
    this.name = 'CheckpointError';
  }
}
