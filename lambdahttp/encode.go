package lambdahttp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// The answer formats. They are declared here rather than taken from
// aws-lambda-go's events package, whose response types send null or
// empty members some front doors refuse (ALB answers 502 to a null
// "headers") or do not define ("multiValueHeaders" in payload 2.0).

// v1Response answers API Gateway payload 1.0.
type v1Response struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitempty"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// v2Response answers payload 2.0: HTTP APIs and Function URLs.
type v2Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies,omitempty"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// albResponse answers an ALB target group: exactly one of the header
// members, the one the request used, present even when empty.
type albResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers,omitzero"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitzero"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// encode returns a in ev's response format. droppedCookies is the number
// of Set-Cookie values an ALB target without multi-value headers could
// not carry.
func (a answer) encode(ev *Event) (out []byte, droppedCookies int) {
	var v any
	switch ev.Source {
	case APIGatewayV1:
		// Single values in "headers", the rest in "multiValueHeaders":
		// API Gateway merges the two, so a header in both would be sent
		// twice.
		r := v1Response{StatusCode: a.status, Headers: map[string]string{}, Body: a.body, IsBase64Encoded: a.base64}
		for k, vs := range a.header {
			if len(vs) == 1 {
				r.Headers[k] = vs[0]
				continue
			}
			if r.MultiValueHeaders == nil {
				r.MultiValueHeaders = map[string][]string{}
			}
			r.MultiValueHeaders[k] = vs
		}
		v = r
	case APIGatewayV2, FunctionURL:
		r := v2Response{StatusCode: a.status, Headers: map[string]string{}, Body: a.body, IsBase64Encoded: a.base64}
		for k, vs := range a.header {
			if k == "Set-Cookie" {
				r.Cookies = vs
				continue
			}
			r.Headers[k] = strings.Join(vs, ", ")
		}
		v = r
	case ALB:
		r := albResponse{StatusCode: a.status, StatusDescription: strings.TrimSpace(strconv.Itoa(a.status) + " " + http.StatusText(a.status)),
			Body: a.body, IsBase64Encoded: a.base64}
		if ev.ALBMultiValue {
			r.MultiValueHeaders = map[string][]string(a.header)
		} else {
			r.Headers, droppedCookies = singleHeaders(a.header)
		}
		v = r
	}
	out, err := json.Marshal(v)
	if err != nil {
		// Strings, ints and bools only: cannot fail.
		panic(err)
	}
	return out, droppedCookies
}

// singleHeaders joins repeated header values with ", ", which RFC 9110
// allows for every list-valued field, except Set-Cookie: cookies cannot be
// joined, so only the first is kept.
func singleHeaders(h http.Header) (map[string]string, int) {
	out := make(map[string]string, len(h))
	dropped := 0
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		if k == "Set-Cookie" {
			out[k] = vs[0]
			dropped = len(vs) - 1
			continue
		}
		out[k] = strings.Join(vs, ", ")
	}
	return out, dropped
}
