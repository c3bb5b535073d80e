// Command sigterm is a Lambda function for the dbconn tests: it opens a
// pool at init, answers each invocation with its server connection id,
// and on SIGTERM reports how many connections the pool still holds after
// CloseOnSIGTERM ran.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/lambdasec/lambdasec/dbconn"
)

func main() {
	ca, err := os.ReadFile(os.Getenv("DB_CA_FILE"))
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(os.Getenv("DB_PORT"))
	db, err := dbconn.Open(context.Background(), dbconn.Config{
		Host: os.Getenv("DB_HOST"), Port: port, Database: os.Getenv("DB_NAME"),
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials(os.Getenv("DB_USER"), os.Getenv("DB_PASSWORD"))), RootCAs: ca,
	})
	if err != nil {
		log.Fatal(err)
	}
	handler := func(ctx context.Context) (string, error) {
		var id int64
		err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id)
		return strconv.FormatInt(id, 10), err
	}
	lambda.StartWithOptions(handler, dbconn.CloseOnSIGTERM(db),
		lambda.WithEnableSIGTERM(func() {
			fmt.Printf("after SIGTERM: %d open connections\n", db.Stats().OpenConnections)
		}))
}
