/** Django-like HTML pages: EvalAI's handler404/handler500 and the DEBUG technical page. */
import { textReply, type Reply } from './reply.js';

const HTML = 'text/html; charset=utf-8';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function htmlErrorPage(status: number, detail?: string): Reply {
  const title = `${status} ${reasonPhrase(status)}`;
  const body =
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>EvalAI - ${title}</title></head>\n` +
    `<body>\n<h1>${title}</h1>\n${detail ? `<p>${escapeHtml(detail)}</p>\n` : ''}</body>\n</html>\n`;
  return textReply(status, body, HTML);
}

export function notFoundPage(path: string): Reply {
  return htmlErrorPage(404, `The page ${path} could not be found.`);
}

export function serverErrorPage(): Reply {
  return htmlErrorPage(500, 'Something went wrong on our side.');
}

/** Django DEBUG page for CommonMiddleware's RuntimeError (POST/PUT/PATCH to an unslashed URL). */
export function appendSlashRuntimeErrorPage(method: string, host: string, path: string): Reply {
  const message =
    `You called this URL via ${method}, but the URL doesn't end in a slash and you have APPEND_SLASH set. ` +
    `Django can't redirect to the slash URL while maintaining ${method} data. ` +
    `Change your form to point to ${host}${path}/ (note the trailing slash), or set APPEND_SLASH=False in your Django settings.`;
  const body =
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>RuntimeError at ${escapeHtml(path)}</title></head>\n` +
    `<body>\n<div id="summary"><h1>RuntimeError at ${escapeHtml(path)}</h1>\n` +
    `<pre class="exception_value">${escapeHtml(message)}</pre></div>\n</body>\n</html>\n`;
  return textReply(500, body, HTML);
}
