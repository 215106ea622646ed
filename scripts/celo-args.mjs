// `--name value` command-line options of the celo-*.mjs scripts.
export const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
