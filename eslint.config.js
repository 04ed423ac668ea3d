// Lint: typescript-eslint with type information. Import direction is enforced by dependency-cruiser
// (.dependency-cruiser.cjs), which `npm run lint` runs after this.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // sdk/ is linted (against sdk/tsconfig.json) except its generated stubs and build output.
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'sdk/dist/',
      'sdk/src/gen/',
      'sdk/pattern-kit/',
      'plugins/',
      'test/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.cjs', '.dependency-cruiser.cjs', 'bin/*.js', 'scripts/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // Build scripts are plain JS run by node: type-aware rules would only see `any`.
  { files: ['scripts/**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
