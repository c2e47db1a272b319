import ArgumentParser

@main
struct GGMWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ggmwatch",
        abstract: "Online change-point detection in sparse Gaussian graphical models.",
        version: "0.8.0",
        subcommands: [DemoCommand.self, FitCommand.self, MonitorCommand.self, CalibrateCommand.self,
                      SegmentCommand.self, SimulateCommand.self, ReportCommand.self, EvaluateCommand.self, BenchCommand.self, ServeCommand.self]
    )
}
