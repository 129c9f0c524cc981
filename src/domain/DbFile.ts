import { Schema } from "effect"

/** The two SQLite files the service reads. The live file holds dates on/after the cutover, the archive older ones. */
export const DbFile = Schema.Literal("live", "archive")
export type DbFile = typeof DbFile.Type

export const DB_FILES: ReadonlyArray<DbFile> = ["live", "archive"]
