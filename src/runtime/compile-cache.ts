import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';

/**
 * V8's compiled code of the dependencies, kept between runs (figures in docs/performance.md,
 * issue 21). A run spends much of its start compiling the same files: @aws-sdk/client-ec2 alone
 * is 2 MB of JavaScript, about 215 ms to load, half of it compiling, every cron tick.
 *
 * - Node 22.1 and later: Node's own compile cache (`module.enableCompileCache`), for everything
 *   loaded after this call, ES modules included.
 * - Node 20: Node has none, so CommonJS files under node_modules (the AWS SDK, pino) compile
 *   through `vm.Script` with the cached data of an earlier run, written when a run ends. Each
 *   entry starts with the SHA-256 of its source, so a file changed by an upgrade is compiled anew.
 *
 * The directory is `evalai-autoscaler-compile-cache-<uid>/<node version>` under os.tmpdir(),
 * created private (0700). A directory that cannot be made, is not a plain directory of this user,
 * or is writable by others is not used: the run compiles as before, with nothing said. The cache
 * changes no behaviour, only the CPU time of a start; NODE_DISABLE_COMPILE_CACHE=1 (Node's own
 * switch) turns it off, as it does Node's.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir = privateCacheDir(join(tmpdir(), `evalai-autoscaler-compile-cache-${process.getuid?.() ?? 'user'}`), process.version);
  if (!dir) return undefined;
  const nodeModule = createRequire(import.meta.url)('node:module') as { enableCompileCache?: (dir: string) => unknown; flushCompileCache?: () => void };
  if (typeof nodeModule.enableCompileCache === 'function') {
    try {
      nodeModule.enableCompileCache(dir);
    } catch {
      return undefined;
    }
    // The bins end with process.exit: written then at the latest (Node 22.10+ has the call; it fails silently).
    const flush = nodeModule.flushCompileCache;
    if (typeof flush === 'function') process.once('exit', () => flush());
    return dir;
  }
  installCommonJsCache(dir);
  return dir;
}

/** `root/<version>`, made private, or undefined when it is not safe to use (see above). */
function privateCacheDir(root: string, version: string): string | undefined {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const dir = join(root, version);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const uid = process.getuid?.();
    for (const d of [root, dir]) {
      const s = lstatSync(d);
      if (!s.isDirectory() || (uid !== undefined && s.uid !== uid) || (s.mode & 0o022) !== 0) return undefined;
    }
    return dir;
  } catch {
    return undefined;
  }
}

interface CjsModule {
  exports: unknown;
  require: (id: string) => unknown;
}
interface ModuleStatics {
  prototype: { _compile: (this: CjsModule, content: string, filename: string, ...rest: unknown[]) => unknown };
  wrap: (content: string) => string;
  _resolveFilename: (request: string, parent: CjsModule, isMain: boolean, options?: unknown) => string;
  _resolveLookupPaths: (request: string, parent: CjsModule) => string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

let installed = false;

function installCommonJsCache(dir: string): void {
  if (installed) return;
  installed = true;
  const Module = createRequire(import.meta.url)('node:module') as ModuleStatics;
  const compile = Module.prototype._compile;
  const pending: (() => void)[] = [];
  process.once('exit', () => {
    for (const write of pending) write();
  });
  Module.prototype._compile = function cachedCompile(this: CjsModule, content: string, filename: string, ...rest: unknown[]): unknown {
    // Node's own way for our files, and for what Node has found (or is to find) to be an ES module.
    const format = rest[0];
    if (!filename.includes('/node_modules/') || (format !== undefined && format !== 'commonjs')) return compile.call(this, content, filename, ...rest);
    // 32 bytes, so that the code after it stays 8-byte aligned in the buffer read: V8 copies cached
    // data that is not (4 MB for client-ec2, and that copy's memory stayed in the process's peak).
    const digest = createHash('sha256').update(content).digest();
    const path = join(dir, createHash('sha1').update(filename).digest('hex'));
    let cached: Buffer | undefined;
    try {
      const entry = readFileSync(path);
      if (entry.length > digest.length && entry.subarray(0, digest.length).equals(digest)) cached = entry.subarray(digest.length);
    } catch {
      cached = undefined;
    }
    let script: Script;
    try {
      script = new Script(Module.wrap(content), {
        filename,
        ...(cached ? { cachedData: cached } : {}),
        importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      });
    } catch {
      // Not CommonJS (a .js file in ES module syntax, which Node 20.19+ detects and loads as one):
      // Node's own compile, which also says any real syntax error as it would.
      return compile.call(this, content, filename, ...rest);
    }
    if (!cached || script.cachedDataRejected === true) {
      // Written when the run ends, so that it holds the functions the run compiled lazily too.
      pending.push(() => {
        try {
          const tmp = `${path}.${process.pid}.tmp`;
          writeFileSync(tmp, Buffer.concat([digest, script.createCachedData()]), { mode: 0o600 });
          renameSync(tmp, path);
        } catch {
          // A cache that cannot be written is a slower next start, nothing more.
        }
      });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    // The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction).
    const resolve = Object.assign((request: string, options?: unknown) => Module._resolveFilename(request, this, false, options), {
      paths: (request: string) => Module._resolveLookupPaths(request, this),
    });
    const require = Object.assign((id: string) => this.require(id), {
      resolve,
      main: (process as { mainModule?: unknown }).mainModule,
      extensions: Module._extensions,
      cache: Module._cache,
    });
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
}
