package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/lambdasec/lambdasec/internal/strictjson"
	"github.com/lambdasec/lambdasec/validate"
)

// The same request decoded and validated two ways: by validate.DecodeJSON,
// and by what a careful handler writes by hand with encoding/json and a
// go-playground singleton (unknown fields and trailing data rejected, JSON
// names in errors). validate also rejects duplicate and case-variant
// names, invalid UTF-8 and deep nesting, and maps errors to JSON paths.

type valLogin struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,min=8,max=100"`
}

const valLoginJSON = `{"email":"ada@example.com","password":"correct horse battery"}`

type valWide struct {
	F01 string  `json:"f01" validate:"required,max=64"`
	F02 int     `json:"f02" validate:"gte=0,lte=1000000"`
	F03 *bool   `json:"f03" validate:"required"`
	F04 float64 `json:"f04" validate:"gte=0"`
	F05 string  `json:"f05" validate:"required,email,max=254"`
	F06 string  `json:"f06" validate:"required,max=64"`
	F07 int     `json:"f07" validate:"gte=0,lte=1000000"`
	F08 *bool   `json:"f08" validate:"required"`
	F09 float64 `json:"f09" validate:"gte=0"`
	F10 string  `json:"f10" validate:"required,email,max=254"`
	F11 string  `json:"f11" validate:"required,max=64"`
	F12 int     `json:"f12" validate:"gte=0,lte=1000000"`
	F13 *bool   `json:"f13" validate:"required"`
	F14 float64 `json:"f14" validate:"gte=0"`
	F15 string  `json:"f15" validate:"required,email,max=254"`
	F16 string  `json:"f16" validate:"required,max=64"`
	F17 int     `json:"f17" validate:"gte=0,lte=1000000"`
	F18 *bool   `json:"f18" validate:"required"`
	F19 float64 `json:"f19" validate:"gte=0"`
	F20 string  `json:"f20" validate:"required,email,max=254"`
	F21 string  `json:"f21" validate:"required,max=64"`
	F22 int     `json:"f22" validate:"gte=0,lte=1000000"`
	F23 *bool   `json:"f23" validate:"required"`
	F24 float64 `json:"f24" validate:"gte=0"`
	F25 string  `json:"f25" validate:"required,email,max=254"`
	F26 string  `json:"f26" validate:"required,max=64"`
	F27 int     `json:"f27" validate:"gte=0,lte=1000000"`
	F28 *bool   `json:"f28" validate:"required"`
	F29 float64 `json:"f29" validate:"gte=0"`
	F30 string  `json:"f30" validate:"required,email,max=254"`
	F31 string  `json:"f31" validate:"required,max=64"`
	F32 int     `json:"f32" validate:"gte=0,lte=1000000"`
	F33 *bool   `json:"f33" validate:"required"`
	F34 float64 `json:"f34" validate:"gte=0"`
	F35 string  `json:"f35" validate:"required,email,max=254"`
	F36 string  `json:"f36" validate:"required,max=64"`
	F37 int     `json:"f37" validate:"gte=0,lte=1000000"`
	F38 *bool   `json:"f38" validate:"required"`
	F39 float64 `json:"f39" validate:"gte=0"`
	F40 string  `json:"f40" validate:"required,email,max=254"`
	F41 string  `json:"f41" validate:"required,max=64"`
	F42 int     `json:"f42" validate:"gte=0,lte=1000000"`
	F43 *bool   `json:"f43" validate:"required"`
	F44 float64 `json:"f44" validate:"gte=0"`
	F45 string  `json:"f45" validate:"required,email,max=254"`
	F46 string  `json:"f46" validate:"required,max=64"`
	F47 int     `json:"f47" validate:"gte=0,lte=1000000"`
	F48 *bool   `json:"f48" validate:"required"`
	F49 float64 `json:"f49" validate:"gte=0"`
	F50 string  `json:"f50" validate:"required,email,max=254"`
}

const valWideJSON = `{"f01":"value number 1","f02":2000,"f03":true,"f04":4.5,"f05":"user5@example.com","f06":"value number 6","f07":7000,"f08":false,"f09":9.5,"f10":"user10@example.com","f11":"value number 11","f12":12000,"f13":true,"f14":14.5,"f15":"user15@example.com","f16":"value number 16","f17":17000,"f18":false,"f19":19.5,"f20":"user20@example.com","f21":"value number 21","f22":22000,"f23":true,"f24":24.5,"f25":"user25@example.com","f26":"value number 26","f27":27000,"f28":false,"f29":29.5,"f30":"user30@example.com","f31":"value number 31","f32":32000,"f33":true,"f34":34.5,"f35":"user35@example.com","f36":"value number 36","f37":37000,"f38":false,"f39":39.5,"f40":"user40@example.com","f41":"value number 41","f42":42000,"f43":true,"f44":44.5,"f45":"user45@example.com","f46":"value number 46","f47":47000,"f48":false,"f49":49.5,"f50":"user50@example.com"}`

func valBareValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled(), validator.WithTagNameFuncBlankOmit())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}

// valBareDecode is the hand-written baseline.
func valBareDecode(v *validator.Validate, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return v.Struct(dst)
}

func valRequest(body string) (*http.Request, func()) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Content-Type", "application/json")
	rd := bytes.NewReader([]byte(body))
	reset := func() {
		rd.Reset([]byte(body))
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(body))
	}
	return r, reset
}

// valBench measures decode on body into a fresh T per request. Besides
// wall time it reports the process CPU time per operation, which stays
// comparable when other work shares the machine.
func valBench[T any](b *testing.B, body string, decode func(*http.Request, any) error) {
	r, reset := valRequest(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	start := valCPU()
	for b.Loop() {
		reset()
		var dst T
		if err := decode(r, &dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(valCPU()-start)/float64(b.N), "cpu-ns/op")
}

// valCPU returns the user and system CPU time this process has used.
func valCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func valDecoders(b *testing.B) (ours, bare func(*http.Request, any) error) {
	v, err := validate.New(validate.Config{})
	if err != nil {
		b.Fatal(err)
	}
	pg := valBareValidator()
	return v.DecodeJSON, func(r *http.Request, dst any) error { return valBareDecode(pg, r, dst) }
}

func BenchmarkValidateLogin(b *testing.B) {
	ours, bare := valDecoders(b)
	b.Run("validate", func(b *testing.B) { valBench[valLogin](b, valLoginJSON, ours) })
	b.Run("bare", func(b *testing.B) { valBench[valLogin](b, valLoginJSON, bare) })
}

func BenchmarkValidateWide(b *testing.B) {
	ours, bare := valDecoders(b)
	b.Run("validate", func(b *testing.B) { valBench[valWide](b, valWideJSON, ours) })
	b.Run("bare", func(b *testing.B) { valBench[valWide](b, valWideJSON, bare) })
}

// Both ways must accept the benchmark bodies and agree on the result.
func TestValidateBaselineAgrees(t *testing.T) {
	v, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{valLoginJSON, valWideJSON} {
		r, reset := valRequest(body)
		reset()
		var a, c valWide
		var l1, l2 valLogin
		var dstA, dstC any = &a, &c
		if body == valLoginJSON {
			dstA, dstC = &l1, &l2
		}
		if err := v.DecodeJSON(r, dstA); err != nil {
			t.Fatal(err)
		}
		reset()
		if err := valBareDecode(valBareValidator(), r, dstC); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dstA, dstC) {
			t.Fatalf("validate decoded %+v, baseline %+v", dstA, dstC)
		}
	}
}

// The strict JSON token layer that validate and jwtauth share, against
// encoding/json's own syntax check on the same bodies: the floor for
// reading every byte once. The strict layer also unescapes and compares
// member names for duplicates, which json.Valid does not.
func BenchmarkStrictJSON(b *testing.B) {
	for _, body := range []struct{ name, json string }{{"login", valLoginJSON}, {"wide", valWideJSON}} {
		in := []byte(body.json)
		b.Run(body.name+"/strict", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := strictjson.Valid(in, 32); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(body.name+"/floor", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if !json.Valid(in) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
