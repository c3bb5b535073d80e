package lambdahttp

import (
	"cmp"
	"context"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
)

// lambdaTraceKey is the context key under which aws-lambda-go hands over
// the invocation's X-Ray trace header (Lambda-Runtime-Trace-Id).
const lambdaTraceKey = "x-amzn-trace-id"

// withRequestInfo returns ctx carrying what the library's logging and
// tracing read about this invocation: the front door's request id (the
// Lambda request id for an ALB, which gives none), the Lambda request id,
// the X-Ray trace id, the function name and whether this is the
// environment's first invocation.
func (h *Handler) withRequestInfo(ctx context.Context, ev *Event) (context.Context, *reqinfo.Info) {
	info := &reqinfo.Info{
		Function:  lambdacontext.FunctionName,
		ColdStart: !h.invoked.Load() && h.invoked.CompareAndSwap(false, true),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		info.LambdaRequestID = lc.AwsRequestID
	}
	if th, ok := ctx.Value(lambdaTraceKey).(string); ok {
		info.TraceID = reqinfo.TraceRoot(th)
	}
	if ev != nil {
		info.RequestID = ev.RequestID
	}
	info.RequestID = cmp.Or(info.RequestID, info.LambdaRequestID)
	return reqinfo.NewContext(ctx, info), info
}
