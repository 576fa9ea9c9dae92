/** Sizes as the bot writes them for people, one way everywhere. */

/** 1 MB as the model's limits count it (binary megabyte). */
export const MB = 1024 * 1024;

/** "0.3 MB", "7.5 MB", "214 MB": one decimal below 10 MB, whole megabytes from there. */
export function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
}
