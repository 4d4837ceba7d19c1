import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (shared/STYLE.md: data flows one way, `dto ← services ← collect / events ← store`): an import may only
 * point down. `src` never imports the runner, the command, the stack or the bench; a service never reaches into the
 * engine, the store or another service; the engine and the store never name a service (only the registry does); the
 * stack reads `src` only through `src/stack-inputs.ts` and the DTOs.
 */
const ENGINE = 'collect|events|plan|finalize|realtime|report|lambda|notify|heartbeat|sql';
const forbid = (...rules) => rules.map(([regex, message]) => ({ regex, message }));
const outsideSrc = ['^(\\.\\./)+(local|cli|lib|bench|lambdas|test)(/|$)', 'src never imports local/, cli/, lib/, lambdas/, bench/ or test/'];
/** The service contract and framework: src/services/*.ts. Anything else under src/services/ is a service. */
const FRAMEWORK = 'account-rule|arn|call-failures|catalog|metric-rule|pages|record-values|registry|resource-type|rule|service';
const aService = [`^(\\.\\./)+services/(?!(${FRAMEWORK})$)`, 'the engine and the store never name a service: read the registry (src/services/registry.ts)'];
const layer = (files, ...rules) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: forbid(outsideSrc, ...rules) }] } });

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.cloudtap/', 'coverage/', 'artifacts/', 'dist/', 'dist.*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/*.ts']),
  layer(['src/util/**/*.ts'], ['^\\.\\./', 'util imports nothing else of src']),
  layer(['src/dto/**/*.ts'], ['^\\.\\./(?!util/)', 'a DTO imports only other DTOs and util (pass what it validates against in, e.g. the service names)']),
  layer(['src/aws/**/*.ts'], ['^\\.\\./(?!util/)', 'the AWS plumbing imports only util']),
  layer(['src/services/*.ts'], [`^\\.\\./(${ENGINE}|store)(/|$)`, 'the service contract never reaches into the engine or the store']),
  layer(['src/services/*/**/*.ts'],
    [`^(\\.\\./){2,}(${ENGINE}|store)(/|$)`, 'a service never reaches into the engine or the store: declare what it needs (src/services/service.ts)'],
    [`^\\.\\./(?!\\.\\./|(${FRAMEWORK.replace('registry|', '')})$)`, 'a service never imports another service or the registry; shared helpers live in src/services/*.ts'],
  ),
  layer(['src/store/**/*.ts'], aService, [`^\\.\\./(${ENGINE})(/|$)`, 'the store never imports the engine'], ['^\\.\\./services/registry$', 'the store never knows the services']),
  layer([`src/{${ENGINE.replaceAll('|', ',')}}/**/*.ts`], aService),
  {
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbid(['^(\\.\\./)+src/(?!stack-inputs$|dto/)', 'the stack takes what it needs from src/stack-inputs.ts (and the DTOs), never from runtime modules']) }] },
  },
);
