# selfsup_add_plugin(NAME SOURCE...) builds plugin NAME as a loadable module
# selfsup-NAME.so, with hidden visibility (only the entry point SELFSUP_PLUGIN
# writes is exported) and an RPATH that finds the SDK library. In-tree
# plugins and out-of-tree ones (through find_package(selfsup)) use this same
# function, so both are built alike.
#
# Output folder: SELFSUP_PLUGIN_OUTPUT_DIRECTORY when set (the in-tree build
# sets it), else the current binary folder.
function(selfsup_add_plugin name)
    add_library(plugin_${name} MODULE ${ARGN})
    target_link_libraries(plugin_${name} PRIVATE selfsup::sdk)
    set_target_properties(plugin_${name} PROPERTIES
        PREFIX "selfsup-"
        OUTPUT_NAME ${name}
        CXX_STANDARD 20
        CXX_STANDARD_REQUIRED ON
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        POSITION_INDEPENDENT_CODE ON)
    if(SELFSUP_PLUGIN_OUTPUT_DIRECTORY)
        # In the tree: beside the other plugins, finding the SDK in lib/.
        set_target_properties(plugin_${name} PROPERTIES
            LIBRARY_OUTPUT_DIRECTORY ${SELFSUP_PLUGIN_OUTPUT_DIRECTORY}
            BUILD_RPATH "$ORIGIN/../.."
            INSTALL_RPATH "$ORIGIN/../..")
    endif()
    set_property(GLOBAL APPEND PROPERTY SELFSUP_PLUGINS plugin_${name})
endfunction()
