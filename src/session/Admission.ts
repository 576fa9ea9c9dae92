/**
 * A voice turn's shared admission: memory let the turn start (so its request goes out at once), and the
 * database's atomic decision, which holds across processes, follows within milliseconds. The turn's audio
 * plays only once it is confirmed; refused, the turn is dropped before anything is heard.
 */
export class Admission {
  #answered = false;
  #refusal: string | undefined;
  /** Resolves with the notice when refused, undefined when confirmed; never rejects. */
  readonly settled: Promise<string | undefined>;

  /** `decision`: the policy's confirmation. Failing to ask is no refusal: memory's decision stands. */
  constructor(decision: Promise<string | undefined>) {
    this.settled = decision
      .catch(() => undefined)
      .then((refusal) => {
        this.#answered = true;
        this.#refusal = refusal;
        return refusal;
      });
  }

  get confirmed(): boolean {
    return this.#answered && this.#refusal === undefined;
  }

  /** The notice, once refused. */
  get refusal(): string | undefined {
    return this.#refusal;
  }
}
