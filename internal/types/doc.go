// Package types holds Peregrine's pure data structures with no server dependency.
package types
