import ArgumentParser

@main
struct GGMWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ggmwatch",
        abstract: "Online change-point detection in sparse Gaussian graphical models.",
        subcommands: [MonitorCommand.self, SimulateCommand.self, EvaluateCommand.self]
    )
}
