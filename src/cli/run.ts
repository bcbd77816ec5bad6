/** Shared entry-point wrapper: a CLI error prints one clear line and exits 1, no stack trace. */
export function runCli(main: (argv: string[]) => Promise<void>): void {
  // A closed pipe (`| head`) is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
