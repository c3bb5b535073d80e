module github.com/lambdasec/lambdasec/bench

go 1.26.0

replace github.com/lambdasec/lambdasec => ../
