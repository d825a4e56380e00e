package domain

import (
	"strings"
	"testing"
)

func TestPrefixLastWord(t *testing.T) {
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"refu*", true},
		{"refund requ*", true},
		{"Rückerstattu*", true},
		{"ticket 42*", true},
		{"refu* ", true},
		{`"cold sou*`, true},
		{"refu", false},
		{"refund ", false},
		{`"cold soup"`, false},
		{"refund -callb*", false},
		{`refund "-callb*`, false},
		{"refund *", false},
		{"*", false},
		{"", false},
		{"refund!*", false},
	} {
		if got := PrefixLastWord(c.q); got != c.want {
			t.Errorf("PrefixLastWord(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestAsTyped(t *testing.T) {
	for q, want := range map[string]string{
		"refu": "refu*", "refund requ": "refund requ*", "Rückerstattu": "Rückerstattu*", "ticket 42": "ticket 42*",
		`"cold sou`: `"cold sou*`, "refund ": "refund ", `"cold soup"`: `"cold soup"`, "refund -callb": "refund -callb",
		`refund "-callb`: `refund "-callb`, "refu*": "refu*", "": "", "refund!": "refund!",
	} {
		if got := AsTyped(q); got != want {
			t.Errorf("AsTyped(%q) = %q, want %q", q, got, want)
		}
		if got := PrefixLastWord(AsTyped(q)); got != strings.HasSuffix(want, "*") {
			t.Errorf("PrefixLastWord(AsTyped(%q)) = %v", q, got)
		}
	}
}

func TestSearchSettingsValidate(t *testing.T) {
	for _, c := range []struct {
		language string
		ok       bool
	}{{"english", true}, {"simple", true}, {"german", true}, {"yiddish", true}, {"German", false}, {"klingon", false}, {"", false}, {"english ", false}} {
		err := SearchSettings{Language: c.language}.Validate()
		if c.ok != (err == nil) {
			t.Errorf("%q: %v", c.language, err)
			continue
		}
		if e, _ := err.(*Error); err != nil && (e.Code != EInvalid || e.Fields[0].Pointer != "/language" || !strings.Contains(e.Fields[0].Detail, "simple, arabic")) {
			t.Errorf("%q: %+v, want invalid naming /language with the languages", c.language, e)
		}
	}
}
