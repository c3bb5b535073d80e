package main

import "fmt"

// planFits is replaced by dbconn.Plan once dbconn lands.
func planFits(reserved, maxConns int) error {
	if reserved*dbPerEnvironment+dbReserveConnections > maxConns {
		return fmt.Errorf("%d environments x %d + %d reserved > max_connections %d", reserved, dbPerEnvironment, dbReserveConnections, maxConns)
	}
	return nil
}
