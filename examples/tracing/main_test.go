package main

import (
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
)

func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		"response: 200 downstream saw a trace header: true",
		// Outside Lambda: a segment continuing the incoming trace.
		`segment "orders" trace=1-67890abc-0123456789abcdef01234567 parent=1111222233334444 status=200 annotations: cold_start=true order_id=42 route=GET /orders/{id} service=orders service_version=1.4.2`,
		`  subsegment "load order"`,
		"namespace=remote status=200",
		// Inside Lambda: a subsegment under Lambda's segment.
		`subsegment "GET /orders/:id" trace=1-67890abc-fedcba9876543210fedcba98 parent=53995c3f42cd8ad8 status=200 annotations: cold_start=false order_id=7`,
		"X-Ray names may not contain braces",
	)
}
