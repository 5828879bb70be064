import ArgumentParser
import Foundation
import SluiceMetadata

/// `sluice db migrate|reset|status`.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the metadata database.",
        subcommands: [DbMigrate.self, DbReset.self, DbStatus.self])
}

struct DbMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create the database or apply pending migrations.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let config = try options.loadConfig()
        let path = config.path("metadata", "database")
        do {
            let store = try MetadataStore(path: path, migrate: false)
            let applied = try store.migrate()
            print(applied.isEmpty ? "\(path): up to date" : "\(path): applied \(applied.joined(separator: ", "))")
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}

struct DbReset: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Delete every run, task and DAG record and start afresh.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Confirm; without it nothing is deleted.") var yes = false

    func run() throws {
        let config = try options.loadConfig()
        let path = config.path("metadata", "database")
        guard yes else {
            Terminal.error("error: this deletes \(path) and all its history; pass --yes to confirm")
            throw ExitCode(1)
        }
        do {
            try MetadataStore.reset(path: path)
            _ = try MetadataStore(path: path)
            print("\(path): reset")
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}

struct DbStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "List migrations and whether each is applied.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let config = try options.loadConfig()
        do {
            let store = try MetadataStore(path: config.path("metadata", "database"), migrate: false)
            for (name, applied) in try store.migrationStatus() { print("\(applied ? "applied" : "pending")  \(name)") }
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}
