import Testing
import HummingbirdTesting
@testable import GGMServer
