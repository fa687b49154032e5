module heldoutgen

go 1.26
