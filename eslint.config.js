// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"

/** fs functions that open a file (and close it after): forbidden in the service on database files. */
const FILE_CONTENT_ACCESS = [
  "open",
  "openSync",
  "openAsBlob",
  "read",
  "readSync",
  "readFile",
  "readFileSync",
  "readv",
  "readvSync",
  "write",
  "writeSync",
  "writeFile",
  "writeFileSync",
  "appendFile",
  "appendFileSync",
  "copyFile",
  "copyFileSync",
  "cp",
  "cpSync",
  "truncate",
  "truncateSync",
  "createReadStream",
  "createWriteStream",
  "close",
  "closeSync",
  "promises"
]

/** Imports that open files: in the service, only SQLite opens a database file (through DbConnection). */
const FILE_OPENING_IMPORTS = [
  {
    name: "better-sqlite3",
    allowTypeImports: true,
    message:
      "Open SQLite files through src/backends/sqlite/db/DbConnection.ts, which owns every connection of the service."
  },
  {
    name: "node:fs",
    importNames: FILE_CONTENT_ACCESS,
    message: "Only SQLite opens a database file, its -wal or -shm in the service process; `stat` is fine."
  },
  {
    name: "node:fs/promises",
    message: "Only SQLite opens a database file, its -wal or -shm in the service process; `stat` is fine."
  }
]

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "coverage/", ".bench/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off"
    }
  },
  {
    // The service never opens a database file, its -wal or its -shm itself (closing any descriptor of a file drops
    // the process's POSIX locks on it, SQLite's included): SQLite opens them, through src/backends/sqlite/db/DbConnection.ts.
    files: ["src/**/*.ts"],
    ignores: ["src/backends/sqlite/db/DbConnection.ts", "src/seed/**", "src/backends/sqlite/migration/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: FILE_OPENING_IMPORTS
        }
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value='node:fs'] > ImportNamespaceSpecifier",
          message: "Import the fs functions by name, so that the lint rule on file access can see them."
        }
      ]
    }
  },
  {
    // HTTP, the cache, the assistant, the metrics and the rest know a backend only through its seams (QueryEngine,
    // ChangeFeed, DatabaseHealth, EngineStats, SourceStates); src/app composes a backend, the seed writes SQLite.
    files: ["src/**/*.ts"],
    ignores: ["src/backends/**", "src/app/**", "src/seed/**", "src/main.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: FILE_OPENING_IMPORTS,
          patterns: [
            {
              group: ["**/backends/**"],
              message:
                "Use the backend through its seams (QueryEngine, ChangeFeed, DatabaseHealth, EngineStats, SourceStates)."
            }
          ]
        }
      ]
    }
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } }
  }
)
