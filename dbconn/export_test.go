package dbconn

// SIGTERMHandler is the callback CloseOnSIGTERM registers.
var SIGTERMHandler = closer
