/**
 * POST /api/documents (multipart/form-data, field "file", one or more files) and
 * DELETE /api/documents/:id. Mounted behind the /api guard, so API_KEY applies; on a
 * non-loopback HOST without an API key both are refused and the library is read-only.
 */
import { createRequire } from 'node:module';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type multer from 'multer';
import { SUPPORTED } from '../../corpus/loaders/index.js';
import { HttpError } from '../errors.js';
import type { Library } from '../library.js';

const MAX_FILES = 20;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

export interface UploadRouteOptions {
  apiKey?: string;
  /** The address the server listens on. */
  host: string;
  /** Largest accepted file (UPLOAD_MAX_MB). */
  maxFileBytes: number;
}

/** multer is required by the first upload: a start need not load it for a route most servers never see. */
let multerModule: typeof multer | undefined;
const loadMulter = () => (multerModule ??= createRequire(import.meta.url)('multer') as typeof multer);

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

function multerError(err: unknown, maxFileBytes: number): HttpError {
  if (err instanceof loadMulter().MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') {
      return new HttpError(
        413,
        'file_too_large',
        `"${err.field ?? 'file'}" is larger than the upload limit of ${maxFileBytes / 2 ** 20} MB (UPLOAD_MAX_MB); ` +
          'split the document or raise the limit.',
      );
    }
    if (err.code === 'LIMIT_UNEXPECTED_FILE')
      return new HttpError(400, 'unexpected_field', `Send the files in the form field "file" (got "${err.field}").`);
    if (err.code === 'LIMIT_FILE_COUNT')
      return new HttpError(413, 'too_many_files', `Send at most ${MAX_FILES} files at once.`);
    return new HttpError(400, 'bad_upload', `The upload is malformed: ${err.message}.`);
  }
  return new HttpError(400, 'bad_upload', `The multipart body could not be read: ${(err as Error).message}.`);
}

export function uploadRoutes(library: Library, options: UploadRouteOptions): Router {
  const router = express.Router();
  const readOnly = !options.apiKey && !isLoopback(options.host);
  const writable = (_req: Request, _res: Response, next: NextFunction) => {
    if (readOnly) {
      throw new HttpError(
        403,
        'read_only',
        `This server listens on ${options.host} without an API key, so its library is read-only. ` +
          'Set API_KEY to allow uploads and deletes.',
      );
    }
    next();
  };
  let receive: RequestHandler | undefined;
  const files = (req: Request, res: Response, next: NextFunction) => {
    receive ??= loadMulter()({
      storage: loadMulter().memoryStorage(),
      limits: { fileSize: options.maxFileBytes, files: MAX_FILES },
      defParamCharset: 'utf8',
    }).array('file', MAX_FILES);
    receive(req, res, (err: unknown) => next(err ? multerError(err, options.maxFileBytes) : undefined));
  };

  router.post('/api/documents', writable, files, async (req, res) => {
    const received = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (received.length === 0)
      throw new HttpError(
        400,
        'no_file',
        `Send one or more files as multipart/form-data in the field "file" (${SUPPORTED}).`,
      );
    const { documents, created } = await library.add(received.map((f) => ({ name: f.originalname, bytes: f.buffer })));
    res.status(created ? 202 : 200).json({ documents });
  });

  router.delete('/api/documents/:id', writable, async (req, res) => {
    await library.remove(String(req.params.id));
    if (!res.headersSent) res.status(204).end();
  });
  return router;
}
