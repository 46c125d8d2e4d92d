/**
 * Which argument vectors run code taken from the arguments themselves (`sh -c`, `node -e`,
 * `python -c`, …). An MCP server must be a program, so these are refused before anything is
 * spawned. Where a tool's own options can't be told from its script's without its full
 * option table, every argument is checked: refusing a rare benign `-e` is cheaper than
 * running code someone typed into a request.
 */

/** `atCommand` is true for the program actually spawned, false for a later word checked as one. */
type Rule = (args: readonly string[], program: string, atCommand: boolean) => string | undefined;

const runsCode = (program: string, flag: string) =>
  `'${program} ${flag}' runs code given in its arguments; an MCP server must be a program`;

/** "/usr/bin/python3.12" → "python", "NodeJS.exe" → "nodejs". */
function programName(command: string): string {
  const base = command.split(/[\\/]/).pop() ?? command;
  return base
    .toLowerCase()
    .replace(/\.exe$/, "")
    .replace(/[\d.]+$/, "");
}

/** The letters of a short-option cluster (`-pe` → "pe"); undefined for long options and words. */
function shortCluster(arg: string): string | undefined {
  return /^-[A-Za-z]/.test(arg) ? arg.slice(1) : undefined;
}

/** A rule refusing any argument whose short cluster holds one of `letters` before a value-taking letter. */
function shortFlags(letters: string, valueLetters = "", longFlags: readonly string[] = []): Rule {
  return (args, program) => {
    for (const arg of args) {
      const long = longFlags.find((flag) => arg === flag || arg.startsWith(`${flag}=`));
      if (long) return runsCode(program, long);
      const cluster = shortCluster(arg) ?? "";
      for (const letter of cluster) {
        if (letters.includes(letter)) return runsCode(program, `-${letter}`);
        if (valueLetters.includes(letter) || !/[A-Za-z]/.test(letter)) break;
      }
    }
    return undefined;
  };
}

// URL schemes are case-insensitive: `--import=Data:text/javascript,…` is a data: URL too.
const dataUrl: Rule = (args, program) =>
  args.some((arg) => /^data:|=data:/i.test(arg)) ? `'${program}' may not load code from a data: URL` : undefined;

const envFile: Rule = (args, program) =>
  args.some((arg) => arg.startsWith("--env-file")) ? `'${program} --env-file' would set variables past the variable checks` : undefined;

function all(...rules: Rule[]): Rule {
  return (args, program, atCommand) => {
    for (const rule of rules) {
      const problem = rule(args, program, atCommand);
      if (problem) return problem;
    }
    return undefined;
  };
}

function firstWord(words: readonly string[]): Rule {
  return (args, program) => {
    const word = args.find((arg) => !arg.startsWith("-"));
    return word !== undefined && words.includes(word) ? runsCode(program, word) : undefined;
  };
}

// Python's option table is small and stable, so it is parsed exactly: `python server.py -c x` stays allowed.
const codeModules = new Set(["timeit", "pdb", "code", "cProfile", "profile", "trace", "runpy", "doctest"]);
const python: Rule = (args, program) => {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg === "--" || arg === "-" || !arg.startsWith("-")) return undefined;
    if (arg.startsWith("--")) {
      if (arg === "--check-hash-based-pycs") index++;
      continue;
    }
    const letters = arg.slice(1);
    for (let position = 0; position < letters.length; position++) {
      const letter = letters[position];
      if (letter === "c") return runsCode(program, "-c");
      if (letter === "m") {
        const module = letters.slice(position + 1) || args[index + 1] || "";
        return codeModules.has(module) ? runsCode(program, `-m ${module}`) : undefined;
      }
      if (letter === "W" || letter === "X") {
        if (position === letters.length - 1) index++;
        break;
      }
    }
  }
  return undefined;
};

const env: Rule = (args, program) => {
  for (const arg of args) {
    if (arg === "-S" || arg.startsWith("--split-string") || /^-[A-Za-z]*S/.test(arg)) return runsCode(program, "-S");
  }
  return undefined;
};

// Checks that need no flag only judge the spawned program: a later word "node" or "watch"
// is far more often a directory or a mode than a command a wrapper runs.

// With no script an interpreter runs what arrives on stdin, which is where the service
// writes JSON-RPC carrying tool arguments that a model may have chosen.
const script: Rule = (args, program, atCommand) =>
  !atCommand || args.some((arg) => !arg.startsWith("-") && !arg.startsWith("+"))
    ? undefined
    : `'${program}' without a script would run what it reads on stdin`;

const refuse =
  (why: string): Rule =>
  (_args, program, atCommand) =>
    atCommand ? `'${program}' ${why}` : undefined;

const shell = all(shortFlags("cCs", "", ["--command", "--init-command"]), script);
const node = all(shortFlags("ep", "rC", ["--eval", "--print"]), dataUrl, envFile, script);
const packageRunner = shortFlags("c", "", ["--call", "--shell-mode", "--script-shell"]);

const rules = new Map<string, Rule>([
  ...["sh", "bash", "rbash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "fish", "csh", "tcsh", "busybox"].map(
    (name) => [name, shell] as const,
  ),
  ...["node", "nodejs", "tsx", "ts-node"].map((name) => [name, node] as const),
  ["bun", all(node, firstWord(["exec"]))],
  ["deno", all(firstWord(["eval"]), shortFlags("", "", ["--eval"]), dataUrl)],
  ...["python", "pypy"].map((name) => [name, all(python, script)] as const),
  ["perl", all(shortFlags("eEmM"), script)],
  ["ruby", all(shortFlags("e"), script)],
  ["php", shortFlags("rBREFd", "", ["--run", "--process-begin", "--process-code", "--process-end", "--define"])],
  ...["lua", "luajit", "osascript", "rscript", "r", "elixir"].map((name) => [name, shortFlags("e")] as const),
  ["julia", shortFlags("eE", "", ["--eval", "--print"])],
  ["erl", shortFlags("", "", ["-eval"])],
  ["expect", shortFlags("c")],
  ...["pwsh", "powershell"].map((name) => [name, refuse("runs commands given in its arguments")] as const),
  ["cmd", refuse("runs commands given in its arguments")],
  ...["awk", "gawk", "mawk", "nawk"].map((name) => [name, refuse("runs the program given in its arguments")] as const),
  ["watch", refuse("runs its arguments through a shell")],
  ...["sudo", "doas", "su", "pkexec", "runuser"].map((name) => [name, refuse("changes user; servers run as the mcp service")] as const),
  ...["script", "flock"].map((name) => [name, shortFlags("c", "", ["--command"])] as const),
  ...["npx", "pnpx", "bunx", "npm", "pnpm", "yarn"].map((name) => [name, packageRunner] as const),
  ["env", env],
]);

/**
 * Why `argv` (command first) may not be spawned, or undefined. Every later word is checked
 * as a command of its own too, since wrappers (`env`, `nice`, `npx`, `uv run`, …) run one:
 * `env sh -c …` and `npx node -e …` are caught without a table of every wrapper's options.
 * `envNameProblem` checks `NAME=value` words given to `env`.
 */
export function commandProblem(argv: readonly string[], envNameProblem: (name: string) => string | undefined): string | undefined {
  if (argv.some((part) => part.includes("\0"))) return "the command and its arguments may not contain NUL characters";
  if ((argv[0] ?? "").trim() !== argv[0]) return "the command may not start or end with spaces";
  const memo = new Map<number, string | undefined>();
  const at = (index: number): string | undefined => {
    if (memo.has(index)) return memo.get(index);
    const program = argv[index] ?? "";
    const args = argv.slice(index + 1);
    let problem = rules.get(programName(program))?.(args, program, index === 0);
    if (!problem && programName(program) === "env") problem = assignmentProblem(args, envNameProblem);
    for (let offset = 0; !problem && offset < args.length; offset++) {
      if (!args[offset]?.startsWith("-")) problem = at(index + 1 + offset);
    }
    memo.set(index, problem);
    return problem;
  };
  return at(0);
}

function assignmentProblem(args: readonly string[], envNameProblem: (name: string) => string | undefined): string | undefined {
  for (const arg of args) {
    const match = /^([^=\s-][^=]*)=/.exec(arg);
    const problem = match?.[1] ? envNameProblem(match[1]) : undefined;
    if (problem) return problem;
  }
  return undefined;
}
