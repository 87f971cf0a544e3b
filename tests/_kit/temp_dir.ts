/**
 * A temporary directory removed when the returned object is disposed, also when the test throws.
 *
 * ```ts
 * await using dir = await tempDir();
 * await Deno.writeTextFile(dir.join("a.txt"), "x");
 * ```
 */
export async function tempDir(prefix = "carbon-ops-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    join: (...parts: string[]) => [path, ...parts].join("/"),
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** A temporary directory that cleans itself up. */
export interface TempDir extends AsyncDisposable {
  /** Absolute path. */
  readonly path: string;
  /** Joins parts under the directory. */
  join(...parts: string[]): string;
}
