// Preloaded (node --import) into scripts run by `quiver submit`: a script outside this repository cannot see
// the workspace packages in its own node_modules, so `@quiver/*` imports that fail there resolve from the repo root.
import { registerHooks } from 'node:module';

const REPO_ROOT = new URL('../package.json', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('@quiver/') || err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      return nextResolve(specifier, { ...context, parentURL: REPO_ROOT });
    }
  },
});
