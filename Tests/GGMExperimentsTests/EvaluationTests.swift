import Testing
@testable import GGMExperiments
