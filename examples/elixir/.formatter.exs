[inputs: ["mix.exs", "{lib,test,bench}/**/*.{ex,exs}"], line_length: 110]
