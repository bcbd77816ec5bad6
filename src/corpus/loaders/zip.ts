/**
 * What a zip archive holds and how large it is unzipped, measured by inflating every entry
 * (so sizes the archive lies about are caught too) and stopping as soon as the limit is passed.
 */
import { type Entry, fromBufferPromise, type ZipFile } from 'yauzl';

export interface ZipSummary {
  names: string[];
}

/** A DOCX (zip) that unzips to more than this is refused as a zip bomb. */
export const DOCX_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;

export class ZipTooLargeError extends Error {}

function inflatedSize(zip: ZipFile, entry: Entry, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > budget) {
          stream.destroy();
          reject(new ZipTooLargeError());
        }
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(bytes));
    });
  });
}

/** Entry names of a zip; throws ZipTooLargeError past `maxUnzippedBytes`, another error when it is not a zip. */
export async function inspectZip(bytes: Uint8Array, maxUnzippedBytes: number): Promise<ZipSummary> {
  const zip = await fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    lazyEntries: true,
    validateEntrySizes: true,
  });
  const names: string[] = [];
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      names.push(entry.fileName);
      if (entry.fileName.endsWith('/')) continue;
      if (total + entry.uncompressedSize > maxUnzippedBytes) throw new ZipTooLargeError();
      total += await inflatedSize(zip, entry, maxUnzippedBytes - total);
    }
  } finally {
    zip.close();
  }
  return { names };
}
