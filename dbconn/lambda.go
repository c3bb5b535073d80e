package dbconn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
)

// CloseOnSIGTERM returns a lambda.Option that closes db when Lambda shuts
// the execution environment down:
//
//	lambda.StartWithOptions(handler, dbconn.CloseOnSIGTERM(db))
//
// Lambda freezes environments between invocations and later discards them
// without notice, so their connections stay open on the server until
// wait_timeout (8 hours by default) and count against max_connections.
// Lambda sends SIGTERM, about 500 ms before SIGKILL, only to functions with
// an extension; the option registers aws-lambda-go's internal one
// (lambda.WithEnableSIGTERM), so the pool is closed and the server frees
// the connections at once.
func CloseOnSIGTERM(db *sql.DB) lambda.Option {
	return lambda.WithEnableSIGTERM(closer(db))
}

func closer(db *sql.DB) func() {
	return func() { _ = db.Close() }
}

// Ping checks that db can reach the server within [DefaultPingTimeout] (or
// ctx's earlier deadline), for a health check that must answer fast even
// when the database does not.
func Ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultPingTimeout)
	defer cancel()
	err := db.PingContext(ctx)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("dbconn: ping: no answer in time (budget %v): %w", DefaultPingTimeout, err)
	}
	return err
}
