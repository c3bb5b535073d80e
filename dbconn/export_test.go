package dbconn

// SIGTERMHandler is the callback CloseOnSIGTERM registers.
var SIGTERMHandler = closer

// TestCert returns a server TLS config for host from a fresh CA, and that
// CA's PEM.
var TestCert = testCert

// ServeLoopback runs a handler for each connection to a loopback port.
var ServeLoopback = serveLoopback
