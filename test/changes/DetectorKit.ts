import { ConfigProvider, Layer } from "effect"

/** The settings a detector test runs with: the two files and `settings`, read as the app reads its environment. */
export const detectorSettings = (
  files: { readonly live: string; readonly archive: string },
  settings: Record<string, string>
) =>
  Layer.setConfigProvider(
    ConfigProvider.fromMap(
      new Map(Object.entries({ LIVE_DB_PATH: files.live, ARCHIVE_DB_PATH: files.archive, ...settings }))
    )
  )
