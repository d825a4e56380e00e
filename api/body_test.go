package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// TestRequestBodyErrors checks the HTTP half of reading an upload, which
// package ingest leaves to the API: a body cut off by Echo's or net/http's
// body limit fails the observation upload (NDJSON and CSV) and the
// measurement import with ETooLarge, any other failure with EMalformed.
func TestRequestBodyErrors(t *testing.T) {
	errs := []struct {
		err  error
		code domain.ErrorCode
	}{
		{errors.New("connection reset"), domain.EMalformed},
		{echo.ErrStatusRequestEntityTooLarge, domain.ETooLarge},
		{&http.MaxBytesError{Limit: 10}, domain.ETooLarge},
	}
	body := func(prefix string, err error) io.Reader {
		return requestBody{io.MultiReader(strings.NewReader(prefix), iotest.ErrReader(err))}
	}
	for _, tt := range errs {
		for mt, prefix := range map[string]string{
			"application/x-ndjson": `{"group":"pilot","period":"before","value":1}` + "\n",
			"text/csv":             "group,period,value\npilot,before,1\n",
		} {
			r, err := ingest.Observations(body(prefix, tt.err), mt, domain.KindMean)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Next(); err != nil {
				t.Fatalf("%s, %v: first row: %v", mt, tt.err, err)
			}
			if _, err := r.Next(); domain.ErrorCodeOf(err) != tt.code {
				t.Errorf("%s, %v: error %v, want %s", mt, tt.err, err, tt.code)
			}
		}
		_, err := ingest.Measurements(body("touchpoint_id,metric,period_start,period_end,n,mean,sd\n", tt.err), "ws", nil)
		if domain.ErrorCodeOf(err) != tt.code {
			t.Errorf("measurements, %v: error %v, want %s", tt.err, err, tt.code)
		}
	}
}
