/** Token counts with a real BPE tokenizer (o200k_base), for providers that report no usage. */
let counter: ((text: string) => number) | undefined;

/**
 * Special-token text (`<|endoftext|>` and the like) in a message is counted as the ordinary
 * text it is: by default the tokenizer throws on it, which turned a client's message into a 500.
 */
const asPlainText = { disallowedSpecial: new Set<string>() };

/** Loads the tokenizer once (its tables take a moment), before the first count is needed. */
export async function loadTokenizer(): Promise<(text: string) => number> {
  if (!counter) {
    const { countTokens } = await import("gpt-tokenizer");
    counter = (text) => countTokens(text, asPlainText);
  }
  return counter;
}

export async function countTokens(text: string): Promise<number> {
  return (await loadTokenizer())(text);
}
