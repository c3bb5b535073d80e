package tracing

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// AWS instruments every client later built from cfg (secretsmanager,
// rds, ...): each operation becomes a subsegment named after the service
// ("Secrets Manager"), in the "aws" namespace, with the operation, region,
// request id, retry count and HTTP status, and each attempt carries the
// trace header. 429 and throttling errors are throttles, other 4xx errors,
// 5xx and transport failures faults. Calls whose context carries no
// sampled trace are not touched. Call it before building clients:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	tracing.AWS(&cfg)
//	sm := secretsmanager.NewFromConfig(cfg)
func AWS(cfg *aws.Config) {
	if cfg == nil {
		return
	}
	cfg.APIOptions = append(cfg.APIOptions, addAWSMiddleware)
}

const awsMiddlewareID = "lambdasec/tracing"

func addAWSMiddleware(s *middleware.Stack) error {
	if _, ok := s.Initialize.Get(awsMiddlewareID); ok {
		return nil // AWS was applied twice
	}
	if err := s.Initialize.Add(awsInit{}, middleware.After); err != nil {
		return err
	}
	return s.Deserialize.Add(awsAttempt{}, middleware.Before)
}

type awsSegKey struct{}

// awsInit opens the operation's subsegment and closes it with the result.
type awsInit struct{}

func (awsInit) ID() string { return awsMiddlewareID }

func (awsInit) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	out middleware.InitializeOutput, md middleware.Metadata, err error) {
	if _, seg := segment(ctx); seg == nil {
		return next.HandleInitialize(ctx, in)
	}
	ctx, sub := beginSub(ctx, sanitizeName(awsmiddleware.GetServiceID(ctx)))
	if sub == nil {
		return next.HandleInitialize(ctx, in)
	}
	st := &awsState{seg: sub}
	ctx = context.WithValue(ctx, awsSegKey{}, st)
	sub.mu.Lock()
	sub.doc.Namespace = "aws"
	a := sub.aws()
	a["operation"] = awsmiddleware.GetOperationName(ctx)
	a["region"] = awsmiddleware.GetRegion(ctx)
	sub.mu.Unlock()

	out, md, err = next.HandleInitialize(ctx, in)

	sub.mu.Lock()
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
		a["request_id"] = id
	}
	if st.attempts > 1 {
		a["retries"] = st.attempts - 1
	}
	status := st.status
	if err != nil {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
			status = re.HTTPStatusCode()
		}
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorFault() != smithy.FaultServer && isThrottle(ae.ErrorCode()) {
			status = http.StatusTooManyRequests
		}
	}
	if status != 0 {
		setStatus(sub, status)
	}
	if err != nil && status >= 400 && status < 500 {
		addCause(sub, err) // an error or throttle, not a fault
		err2 := err
		sub.mu.Unlock()
		sub.close()
		return out, md, err2
	}
	sub.mu.Unlock()
	closeSeg(sub, err)
	return out, md, err
}

func isThrottle(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"SlowDown", "RequestThrottled":
		return true
	}
	return false
}

type awsState struct {
	seg      *seg
	attempts int
	status   int
}

// awsAttempt runs once per attempt, after signing: it adds the trace
// header (which SigV4 does not sign) and notes the response status.
type awsAttempt struct{}

func (awsAttempt) ID() string { return awsMiddlewareID + "/attempt" }

func (awsAttempt) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	out middleware.DeserializeOutput, md middleware.Metadata, err error) {
	st, _ := ctx.Value(awsSegKey{}).(*awsState)
	tr := traceFrom(ctx)
	if st == nil || tr == nil {
		return next.HandleDeserialize(ctx, in)
	}
	st.attempts++
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		id := st.seg.id()
		tr.propagate(req.Header, id)
	}
	out, md, err = next.HandleDeserialize(ctx, in)
	if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
		st.status = resp.StatusCode
	}
	return out, md, err
}
