package validate_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

type node struct {
	Name     string `json:"name" validate:"required,max=10"`
	Children []node `json:"children" validate:"max=3,dive"`
	Next     *node  `json:"next"`
}

type Left struct {
	Name string
	L    int `json:"l"`
}

type Right struct {
	Name string
	R    int `json:"r"`
}

type Tagged struct {
	X string `json:"ID"`
}

type Plain struct {
	ID string
}

// encoding/json's rules for embedded structs: equal names at equal depth
// hide each other, a tagged name beats an untagged one, shallower wins.
type embeds struct {
	Left
	Right
	Tagged
	Plain
	*Deep
	Top string `json:"top"`
}

type Deep struct {
	Top   string `json:"top"` // hidden by embeds.Top
	Below string `json:"below"`
}

func TestDecodeJSONTypeShapes(t *testing.T) {
	v := mustNew(t, validate.Config{Rules: map[string]func(string) error{"digits": digitRule}})
	type names struct {
		List []string `json:"list" validate:"dive,digits"`
	}
	if err := v.Register(node{}, embeds{}, names{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		dst        func() any
		body       string
		want       error
		wantFields []string
	}{
		{name: "recursive", dst: func() any { return new(node) }, body: `{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}],"next":{"name":"d","next":{"name":"e"}}}`},
		{name: "recursive error path", dst: func() any { return new(node) }, body: `{"name":"a","children":[{"name":"b","children":[{"name":1}]}]}`,
			want: validate.ErrMalformed, wantFields: []string{"children[0].children[0].name:type"}},
		{name: "recursive rule path", dst: func() any { return new(node) }, body: `{"name":"a","next":{"name":"b","next":{"name":""}}}`,
			want: validate.ErrInvalid, wantFields: []string{"next.next.name:required"}},
		{name: "promoted fields", dst: func() any { return new(embeds) }, body: `{"l":1,"r":2,"below":"y","top":"z"}`},
		// Both Left.Name and Right.Name: encoding/json ignores "Name"
		// silently; here it is unknown.
		{name: "ambiguous name", dst: func() any { return new(embeds) }, body: `{"Name":"x"}`, want: validate.ErrMalformed, wantFields: []string{"Name:unknown"}},
		{name: "tagged beats untagged", dst: func() any { return new(embeds) }, body: `{"ID":"x"}`},
		{name: "rule after dive", dst: func() any { return new(names) }, body: `{"list":["a1-","b"]}`, want: validate.ErrInvalid,
			wantFields: []string{"list[1]:digits", "list[1]:digits"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.dst()
			err := v.DecodeJSON(jsonRequest("POST", tc.body), got)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var fe *validate.FieldErrors
			var fields []string
			if errors.As(err, &fe) {
				for _, e := range fe.Errors {
					fields = append(fields, e.Field+":"+e.Rule)
				}
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Errorf("fields: got %q, want %q", fields, tc.wantFields)
			}
			if err == nil {
				want := tc.dst()
				if err := json.Unmarshal([]byte(tc.body), want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			}
		})
	}
}
