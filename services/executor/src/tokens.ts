/** Token counts with a real BPE tokenizer (o200k_base), for providers that report no usage. */
let counter: ((text: string) => number) | undefined;

/** Loads the tokenizer once (its tables take a moment), before the first count is needed. */
export async function loadTokenizer(): Promise<(text: string) => number> {
  if (!counter) {
    const { countTokens } = await import("gpt-tokenizer");
    counter = countTokens;
  }
  return counter;
}

export async function countTokens(text: string): Promise<number> {
  return (await loadTokenizer())(text);
}
