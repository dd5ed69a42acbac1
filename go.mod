module logdb

go 1.26.8
