# suanli_embed(OUT_VAR HEADER NAMESPACE FUNCTION FILES...): generates a .cc
# that compiles FILES into the binary; OUT_VAR receives its path.
function(suanli_embed out_var header namespace function)
  set(files ${ARGN})
  string(MAKE_C_IDENTIFIER "${function}" id)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${id}.cc)
  string(REPLACE ";" "|" files_arg "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} "-DINPUTS=${files_arg}" -DOUTPUT=${output} -DHEADER=${header}
            -DNAMESPACE=${namespace} -DFUNCTION=${function}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${function}"
    VERBATIM)
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
