/** Why a file cannot be ingested: a type we do not read, or a file of a known type that is broken or empty. */

/** The content is not a format the corpus reads (HTTP 415). */
export class UnsupportedFileError extends Error {}

/** A supported format that cannot be read: corrupt, encrypted, empty, too large unzipped (HTTP 422). */
export class UnreadableFileError extends Error {}
