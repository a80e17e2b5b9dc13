// make lint: the resolvers against AppSync's own rules for its JavaScript runtime
// (no try/catch, while, classes, async, regex literals, recursion, ...). The TypeScript
// parser powers the recommended rules; nothing here is compiled.
import appsync from '@aws-appsync/eslint-plugin';

const resolvers = ['resolvers/*.js'];

export default [
  {
    files: resolvers,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  { ...appsync.configs.recommended, files: resolvers },
];
