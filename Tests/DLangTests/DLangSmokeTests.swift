import Testing
@testable import DLang
