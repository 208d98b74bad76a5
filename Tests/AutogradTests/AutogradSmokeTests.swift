import Testing
@testable import Autograd
