@auth
Feature: Editors log in to a private portal, and the cache never leaks a private page
  In order to work on The Publication without exposing my pages to readers
  As an editor
  I want to log in to the portal, and to be sure nothing rendered for me is served to anyone else

  Background:
    Given the user "Jack" exists with password "password"

  Rule: The portal is open to those who log in, and only while they are logged in

    @browser @slow
    Scenario: I enter my password correctly
      Given I am at "/login/"
      When I fill in "Login" with "Jack"
      And I fill in "Password" with "password"
      And I press "Login"
      Then I should be at "/portal/"
      And I should see "Welcome to the admin portal"

    @browser @slow
    Scenario: A wrong password shows an error and keeps me on the login page
      When Jack logs in with the password "not my password"
      Then I should be at "/login/"
      And I should see "Your login or password is wrong"

    @browser @slow
    Scenario: An anonymous visit to the portal asks me to log in, then takes me back there
      Given I am at "/portal/"
      Then I should be at "/login/"
      When Jack logs in
      Then I should be at "/portal/"
      And I should see "Hello, Jack"

    @browser @slow
    Scenario: Logging out ends my session
      Given Jack has logged in
      When I press "Log out"
      And I am at "/portal/"
      Then I should be at "/login/"
      And I should see "Log in"

    @browser @slow
    Scenario: The header shows my name on every page while I am logged in
      Given a published post "Hello world" at "/blog/hello-world/"
      And Jack has logged in
      When I am at "/blog/hello-world/"
      Then I should see "Jack"
      And I should not see "Log in"

    @cache @browser @slow
    Scenario: The login form works when I reach it from a page served from memcached
      Given a reader has visited "/"
      And I am at "/"
      When I follow "Log in"
      And Jack logs in
      Then I should be at "/portal/"

  Rule: Nothing rendered for a logged-in reader is stored or shown to anyone else

    @cache
    Scenario: The login page and the portal are never stored
      When Jack logs in
      And Jack visits "/portal/"
      Then Jack sees "Welcome to the admin portal"
      And memcached holds nothing for "/login/"
      And memcached holds nothing for "/portal/"

    @cache
    Scenario Outline: A page Jack saw while logged in shows no trace of him to other readers (<uri>)
      Given a published post "Hello world" at "/blog/hello-world/"
      And Jack has logged in
      When Jack visits "<uri>"
      And another reader visits "<uri>"
      Then the reader sees "Log in"
      And the reader does not see "Jack"

      Examples:
        | uri                |
        | /                  |
        | /blog/hello-world/ |

    @cache
    Scenario Outline: A logged-in reader is never served the copy stored for anonymous readers (<level>)
      Given Jack has logged in
      And readers have seen "/" served from <level>
      When Jack visits "/"
      Then the page is rendered by Django
      And Jack sees "Jack"

      Examples:
        | level               |
        | memcached           |
        | nginx's first level |

  Rule: One client cannot take the site's time with failed logins: after 5 in a minute it waits

    Scenario: A client that failed to log in 4 times still logs in with the right password
      Given a client has failed to log in as Jack 4 times
      When the client logs in as Jack with the right password
      Then the client is logged in

    Scenario: After 5 failed logins, a client is asked to wait, even with the right password
      Given a client has failed to log in as Jack 5 times
      When the client logs in as Jack with the right password
      Then the client is asked to wait 60 seconds before trying again

    Scenario: A client posting 40 logins at once reaches the app with 21 at most, nginx refusing the rest
      When a client posts 40 logins as Jack at the same moment
      Then at most 21 of them reached the app
      And nginx answered the others 429 with Retry-After
