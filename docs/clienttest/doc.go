// Package clienttest drives the API through a client that go-swagger
// generates from docs/swagger.json, as an integrator's would be: the spec
// and the server cannot disagree unnoticed (a body or an error the client
// cannot decode fails the test). It is its own module, so the generator
// and its dependencies stay out of the service's.
//
// make test runs go generate here (the client goes to gen/, not committed)
// and then the tests.
package clienttest

//go:generate sh -c "rm -rf gen && mkdir gen && go tool swagger generate client -f ../swagger.json -t ./gen -A cxbacklog -q"
